import type { PublicUser } from './messages';

/** What login, register and guest sign-up answer: a bearer token and the user it belongs to. */
export interface Session {
  access_token: string;
  user: PublicUser;
}
