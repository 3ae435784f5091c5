// Types of socketio-auth-edge (index.js).
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The header mod_socketio_auth sets by default, lower case as Node gives it. */
export declare const DEFAULT_HEADER: 'x-socketio-user';

/** What socketAuth() puts on each socket: `new Server<C2S, S2C, Inter, SocketData>()`. */
export interface SocketData {
  user: string;
}

export interface HeaderOptions {
  /** The SocketIOAuthHeader name, if not X-Socketio-User. */
  header?: string;
}

export interface GuardOptions extends HeaderOptions {
  /** Called for each refused request (to log it). */
  onRefuse?: (req: IncomingMessage, info: { sid: string; reason: string }) => void;
}

export interface RequestUserOptions extends HeaderOptions {
  /** false: never refuse; req.user stays unset without a valid header (default true: 401, or 400 if malformed). */
  required?: boolean;
}

type Next = (err?: Error) => void;

/** The name in a header value; null when there is none. Throws a TypeError for a malformed value. */
export declare function decodeIdentity(value: string | string[] | undefined | null): string | null;

/** The header value mod_socketio_auth sends for a name. */
export declare function encodeIdentity(name: string): string;

/** io.use(socketAuth()): socket.data.user, or an Error the client gets in connect_error. */
export declare function socketAuth(options?: HeaderOptions): (
  socket: { request: IncomingMessage; data: Partial<SocketData> },
  next: Next,
) => void;

/** The part of an Engine.IO server the guard uses: its "connection" event. */
export interface EngineLike {
  on(event: 'connection', listener: (socket: any) => void): unknown;
}

/** io.engine.use(engineGuard(io)): an Engine.IO socket's later requests must carry its identity. */
export declare function engineGuard(
  io: { engine: EngineLike } | EngineLike,
  options?: GuardOptions,
): (req: IncomingMessage, res: ServerResponse, next: Next) => void;

/** app.use(requestUser()): req.user = { username } for routes behind AuthType SocketIO. */
export declare function requestUser(options?: RequestUserOptions): (
  req: IncomingMessage,
  res: ServerResponse,
  next: Next,
) => void;

declare global {
  namespace Express {
    // The same declarations as @types/passport, so the two merge.
    interface User {
      username: string;
    }
    interface Request {
      user?: User | undefined;
    }
  }
}

declare module 'node:http' {
  interface IncomingMessage {
    /** Set by requestUser() (also through io.engine.use: socket.request.user). */
    user?: Express.User | undefined;
  }
}
