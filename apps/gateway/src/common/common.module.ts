import { Module } from '@nestjs/common';
import { DomainEvents } from './domain-events';

/** The in-process event bus, one instance for the app; imported by the features that emit or listen. */
@Module({ providers: [DomainEvents], exports: [DomainEvents] })
export class CommonModule {}
