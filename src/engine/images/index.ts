/**
 * engine/images: the image service and the pieces others reuse. Import from here rather than from the files.
 */
export { createImageService, isImageNotFound, type ImageServiceOptions } from './service.js';
export type * from './types.js';
export { findImage, findImages, type FoundImage } from './find.js';
export { imageKey, loadedLine } from './names.js';
export { DANGLING_PREFIX, isDanglingName, type ImageRecord, type ImageSummary } from './store.js';
export { applyChanges, applyChange } from './changes.js';
export { chainIds, configPlatform, isIndexType, isManifestType, LayerMediaTypes, type ImageConfigFile, type ImageRuntimeConfig, type HistoryEntry, type Manifest, type Index } from './manifest.js';
export { dockerContainerConfig } from './inspect.js';
