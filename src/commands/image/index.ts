/** `image` management commands and the top-level shorthands Docker has for them. */
import { aliasOf, defineGroup } from '../_lib/spec.js';
import { buildCommand } from '../build/build.js';
import { historyCommand } from './history.js';
import { importCommand } from './import.js';
import { imageInspectCommand } from './inspect.js';
import { loadCommand } from './load.js';
import { imageLsCommand } from './ls.js';
import { imageMountCommand, imageUnmountCommand } from './mount.js';
import { imagePruneCommand } from './prune.js';
import { pullCommand } from './pull.js';
import { pushCommand } from './push.js';
import { imageRmCommand } from './rm.js';
import { saveCommand } from './save.js';
import { tagCommand } from './tag.js';

export const imageGroup = defineGroup({
  name: 'image',
  summary: 'Manage images',
  commands: [
    // `docker image build`: the same command as the top-level `build`.
    aliasOf(buildCommand, 'build'),
    historyCommand,
    importCommand,
    imageInspectCommand,
    loadCommand,
    imageLsCommand,
    imageMountCommand,
    imagePruneCommand,
    pullCommand,
    pushCommand,
    imageRmCommand,
    saveCommand,
    tagCommand,
    imageUnmountCommand,
  ],
});

/** Top-level shorthands: `images`, `pull`, `push`, `rmi`, `tag`, `save`, `load`, `import`, `history`. */
export const imageShorthands = [
  aliasOf(imageLsCommand, 'images'),
  aliasOf(pullCommand, 'pull'),
  aliasOf(pushCommand, 'push'),
  aliasOf(imageRmCommand, 'rmi'),
  aliasOf(tagCommand, 'tag'),
  aliasOf(saveCommand, 'save'),
  aliasOf(loadCommand, 'load'),
  aliasOf(importCommand, 'import'),
  aliasOf(historyCommand, 'history'),
];
