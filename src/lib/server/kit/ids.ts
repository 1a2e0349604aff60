// Server code checks identifiers with the same pattern as the routes' `[x=uuid]` matcher.
export { isUuid, UUID_PATTERN, UUID_RE } from '../../../params/uuid';
