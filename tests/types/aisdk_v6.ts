export const VERSION = 6 as const;
