export { UserStore, type User, type CreateUserResult, type HashTurn } from "./user-store";
export { hashPassword, verifyPassword } from "./password-hash";
export { HashingBusyError } from "./hash-process";
export type { HashFairness } from "./fair-queue";
