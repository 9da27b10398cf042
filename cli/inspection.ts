// Lines every `tlock inspect` command shares.

/** When the state directory holds no authority: what was and was not checked. */
export const NO_AUTHORITY_NOTE =
  'No authority in the state directory: trust was not checked (each signature above was checked against the key it names).';

/** The heading of the part that checks the artefact against the local authority. */
export const authorityHeading = (head: string): string => `Against the local authority (head ${head}):`;
