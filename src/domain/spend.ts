// How spend is grouped, in reports and in the ledger's daily rollup alike.
export const SPEND_DIMS = ['provider', 'model', 'user', 'route'] as const;
export type SpendDim = (typeof SPEND_DIMS)[number];

/** The key a row without a user has in dim 'user'. */
export const NO_USER = '(none)';
