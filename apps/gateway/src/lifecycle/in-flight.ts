import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { finalize, type Observable } from 'rxjs';

/** Counts the HTTP requests and socket events being handled, so a stopping replica can wait for them. */
@Injectable()
export class InFlight implements NestInterceptor {
  private count = 0;
  private readonly idle = new Set<() => void>();

  intercept(_: ExecutionContext, next: CallHandler): Observable<unknown> {
    this.count++;
    return next.handle().pipe(
      finalize(() => {
        if (--this.count === 0) for (const done of this.idle) done();
      }),
    );
  }

  get size(): number {
    return this.count;
  }

  /** Resolves when nothing is in flight, or after `timeoutMs`; says which. */
  async settled(timeoutMs: number): Promise<boolean> {
    if (this.count === 0) return true;
    return new Promise((resolve) => {
      const done = (settled: boolean) => {
        clearTimeout(timer);
        this.idle.delete(onIdle);
        resolve(settled);
      };
      const onIdle = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.idle.add(onIdle);
    });
  }
}
