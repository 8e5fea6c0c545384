/** Query params that carry a creator's code on every org, on top of the org's own `referralParams`. */
export const REFERRAL_PARAMS = ['infl', 'ref', 'via', 'r', 'a'];
