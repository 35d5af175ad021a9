/** What features use of the socket edge. */
export { RealtimeModule } from './realtime.module';
export { SocketGateway } from './socket-gateway.decorator';
export { takeTurn } from './socket-turns';
