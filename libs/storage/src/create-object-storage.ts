import type { StorageConfig } from '@chat/config';
import { LocalObjectStorage } from './local-storage';
import type { ObjectStorage } from './object-storage';
import { S3ObjectStorage } from './s3-storage';

export function createObjectStorage(config: StorageConfig): ObjectStorage {
  switch (config.driver) {
    case 'local':
      return new LocalObjectStorage(config.dir);
    case 's3':
      return new S3ObjectStorage(config);
  }
}
