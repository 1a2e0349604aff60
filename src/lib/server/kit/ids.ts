// Server code checks identifiers with the same pattern as the routes' `[x=uuid]` matcher.
export { isUuid } from '../../../params/uuid';
