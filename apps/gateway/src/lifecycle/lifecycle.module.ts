import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { RepositoriesModule } from '../repositories/repositories.module';
import { DrainService } from './drain.service';
import { InFlight } from './in-flight';

@Module({
  imports: [RepositoriesModule],
  providers: [InFlight, { provide: APP_INTERCEPTOR, useExisting: InFlight }, DrainService],
  exports: [DrainService],
})
export class LifecycleModule {}
