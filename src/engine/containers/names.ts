/**
 * Random container names in Docker's style (`adjective_surname`, surnames of scientists and engineers), for
 * containers created without `--name`. The word lists are our own. After a few collisions a digit is appended,
 * as Docker does (`eager_noether3`).
 */
import { randomInt } from 'node:crypto';

const ADJECTIVES = [
  'admiring', 'adoring', 'affectionate', 'agitated', 'amazing', 'angry', 'awesome', 'beautiful', 'blissful',
  'bold', 'brave', 'busy', 'calm', 'charming', 'clever', 'compassionate', 'competent', 'condescending',
  'confident', 'cool', 'cranky', 'crazy', 'dazzling', 'determined', 'distracted', 'dreamy', 'eager', 'ecstatic',
  'elastic', 'elated', 'elegant', 'eloquent', 'epic', 'exciting', 'fervent', 'festive', 'flamboyant', 'focused',
  'friendly', 'frosty', 'funny', 'gallant', 'gifted', 'goofy', 'gracious', 'great', 'happy', 'hardcore',
  'heuristic', 'hopeful', 'hungry', 'infallible', 'inspiring', 'intelligent', 'interesting', 'jolly', 'jovial',
  'keen', 'kind', 'laughing', 'loving', 'lucid', 'magical', 'modest', 'musing', 'mystifying', 'naughty',
  'nervous', 'nice', 'nifty', 'nostalgic', 'objective', 'optimistic', 'peaceful', 'pedantic', 'pensive',
  'practical', 'priceless', 'quirky', 'quizzical', 'recursing', 'relaxed', 'reverent', 'romantic', 'sad',
  'serene', 'sharp', 'silly', 'sleepy', 'stoic', 'strange', 'stupefied', 'suspicious', 'sweet', 'tender',
  'thirsty', 'trusting', 'unruffled', 'upbeat', 'vibrant', 'vigilant', 'vigorous', 'wizardly', 'wonderful',
  'xenodochial', 'youthful', 'zealous', 'zen',
] as const;

const SURNAMES = [
  'agnesi', 'albattani', 'allen', 'almeida', 'archimedes', 'ardinghelli', 'aryabhata', 'austin', 'babbage',
  'banach', 'bardeen', 'bartik', 'bassi', 'bell', 'benz', 'bhabha', 'blackburn', 'blackwell', 'bohr', 'booth',
  'borg', 'bose', 'boyd', 'brahmagupta', 'brattain', 'brown', 'burnell', 'cannon', 'carson', 'cartwright',
  'cerf', 'chandrasekhar', 'chatelet', 'chaum', 'clarke', 'colden', 'cori', 'curie', 'darwin', 'davinci',
  'diffie', 'dijkstra', 'dirac', 'driscoll', 'dubinsky', 'easley', 'einstein', 'elbakyan', 'elgamal', 'elion',
  'engelbart', 'euclid', 'euler', 'faraday', 'feistel', 'fermat', 'fermi', 'feynman', 'franklin', 'gagarin',
  'galileo', 'galois', 'gauss', 'germain', 'goldberg', 'goldstine', 'goldwasser', 'goodall', 'hamilton',
  'haslett', 'hawking', 'heisenberg', 'hellman', 'hermann', 'herschel', 'hertz', 'heyrovsky', 'hodgkin',
  'hofstadter', 'hoover', 'hopper', 'hugle', 'hypatia', 'jackson', 'jang', 'jemison', 'jennings', 'jepsen',
  'johnson', 'joliot', 'jones', 'kalam', 'kare', 'keldysh', 'keller', 'kepler', 'khorana', 'kilby', 'kirch',
  'knuth', 'kowalevski', 'lalande', 'lamarr', 'lamport', 'leakey', 'leavitt', 'lehmann', 'lewin', 'lichterman',
  'liskov', 'lovelace', 'lumiere', 'mahavira', 'margulis', 'matsumoto', 'maxwell', 'mayer', 'mccarthy',
  'mcclintock', 'mclaren', 'mclean', 'meitner', 'mendel', 'mendeleev', 'merkle', 'mestorf', 'mirzakhani',
  'montalcini', 'moore', 'morse', 'moser', 'murdock', 'napier', 'nash', 'neumann', 'newton', 'nightingale',
  'nobel', 'noether', 'northcutt', 'noyce', 'panini', 'pare', 'pascal', 'pasteur', 'payne', 'perlman', 'pike',
  'poincare', 'poitras', 'proskuriakova', 'ptolemy', 'raman', 'ramanujan', 'rhodes', 'ride', 'ritchie',
  'robinson', 'roentgen', 'rosalind', 'rubin', 'saha', 'sammet', 'sanderson', 'satoshi', 'shamir', 'shannon',
  'shaw', 'shirley', 'shockley', 'shtern', 'sinoussi', 'snyder', 'solomon', 'spence', 'stonebraker',
  'sutherland', 'swanson', 'swartz', 'swirles', 'taussig', 'tesla', 'tharp', 'thompson', 'torvalds', 'tu',
  'turing', 'varahamihira', 'vaughan', 'villani', 'visvesvaraya', 'volhard', 'wescoff', 'wilbur', 'wiles',
  'williams', 'williamson', 'wilson', 'wing', 'wozniak', 'wright', 'wu', 'yalow', 'yonath', 'zhukovsky',
] as const;

/** A random `adjective_surname`; with `retry > 0`, a random digit is appended. */
export function randomName(retry = 0): string {
  for (;;) {
    const name = `${ADJECTIVES[randomInt(ADJECTIVES.length)]}_${SURNAMES[randomInt(SURNAMES.length)]}`;
    // Steve Wozniak is not boring (Docker's one exception, kept for the joke's sake).
    if (name === 'boring_wozniak') continue;
    return retry > 0 ? `${name}${randomInt(10)}` : name;
  }
}

/** A name `isTaken` does not know, trying a few random ones first (Docker's rule). */
export function generateName(isTaken: (name: string) => boolean): string {
  for (let i = 0; ; i++) {
    const n = randomName(i >= 3 ? i : 0);
    if (!isTaken(n)) return n;
  }
}
