/** Release options (off until configured). */
export const relayOptions = {};
