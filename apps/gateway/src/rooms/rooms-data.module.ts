import { Module } from '@nestjs/common';
import { RoomsRepository } from './rooms.repository';

/** Room and membership data, shared by the rooms, messages and realtime features. */
@Module({ providers: [RoomsRepository], exports: [RoomsRepository] })
export class RoomsDataModule {}
