declare const __NERDCTL_VERSION__: string | undefined;

/** The CLI's version, injected by the bundler from package.json (`0.0.0-dev` when running from source). */
export const VERSION: string = typeof __NERDCTL_VERSION__ === 'string' ? __NERDCTL_VERSION__ : '0.0.0-dev';
