export const VERSION = 7 as const;
