// Types of socketio-auth-edge/client (client.js).

/** What watchSession needs of a socket.io-client Socket. */
export interface WatchedSocket {
  readonly active: boolean;
  readonly connected: boolean;
  on(event: string, listener: (...args: any[]) => void): unknown;
  off(event: string, listener?: (...args: any[]) => void): unknown;
  connect(): unknown;
  disconnect(): unknown;
}

export interface Refusal {
  /** Apache's {"message"} ("No session found", "Session expired"...), the app's middleware error, or a generic reason. */
  reason: string;
  /** 401 or 403 when the transport or the session handler told. */
  status?: number;
  /** handshake: a (re)connection refused; server: the app's io.use middleware; closed: an open socket ended. */
  source: 'handshake' | 'server' | 'closed';
}

export interface WatchOptions {
  /** Where SetHandler session-store-whoami answers (default "/whoami"); null never asks. */
  whoamiURL?: string | null;
  /** For tests or non-browser clients (e.g. to add a Cookie header). */
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
  /** While refused, check the session this often, in ms (default 60000; 0: only on focus, online and other tabs). */
  recheckInterval?: number;
  /** BroadcastChannel that tells other tabs a socket connected (default "socketio-auth-edge"; null: none). */
  channel?: string | null;
}

export interface SessionWatch {
  readonly state: 'connecting' | 'connected' | 'refused' | 'resuming';
  on(event: 'refused', listener: (refusal: Refusal) => void): this;
  on(event: 'resumed', listener: () => void): this;
  off(event: 'refused' | 'resumed', listener: (...args: any[]) => void): this;
  /** Check the session now (after an in-page login) and reconnect if it is back. */
  resume(): void;
  /** Remove every listener this watch added. */
  stop(): void;
}

export declare function watchSession(socket: WatchedSocket, options?: WatchOptions): SessionWatch;

/** The HTTP status of a transport error or disconnect details, when the transport shows it. */
export declare function statusOf(error: unknown): number | undefined;
