/** What time it is: passed in so tests and `alerts run --now` can fix it. */
export type Clock = () => Date;
