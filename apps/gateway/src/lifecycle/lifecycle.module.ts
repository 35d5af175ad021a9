import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { DrainService } from './drain.service';
import { InFlight } from './in-flight';

@Global()
@Module({
  providers: [InFlight, { provide: APP_INTERCEPTOR, useExisting: InFlight }, DrainService],
  exports: [DrainService],
})
export class LifecycleModule {}
