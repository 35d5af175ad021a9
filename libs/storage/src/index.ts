export { createObjectStorage } from './create-object-storage';
export { type ByteRange, ObjectNotFoundError, type ObjectStorage } from './object-storage';
