/**
 * Request/reply over a worker's messages, shared by the scan workers here and the decode
 * workers of `@granule/extract`: a pure core runs in the worker, the caller gets promises.
 */

export interface RpcRequest<Payload> {
  id: number;
  payload: Payload;
}

export type RpcReply<Result> = { id: number; result: Result } | { id: number; error: string; code?: string };

/** What a worker (Node worker_threads, a Web Worker) offers, reduced to what RPC needs. */
export interface WorkerPort {
  post(message: unknown, transfer: ArrayBuffer[]): void;
  onMessage(handler: (message: unknown) => void): void;
  onFailure(handler: (error: unknown) => void): void;
  terminate(): void;
}

export interface RpcClient<Payload, Result> {
  /** Sends `payload`, handing over the buffers in `transfer`; resolves to the worker's result. */
  call(payload: Payload, transfer: ArrayBuffer[]): Promise<Result>;
  terminate(): void;
}

/** A client over `port`; `rebuildError` turns a worker's error text and code back into an error. */
export function rpcClient<Payload, Result>(
  port: WorkerPort,
  rebuildError: (error: string, code: string | undefined) => Error = (error) => new Error(error),
): RpcClient<Payload, Result> {
  let nextId = 0;
  const waiting = new Map<number, { resolve: (result: Result) => void; reject: (error: unknown) => void }>();
  port.onMessage((message) => {
    const reply = message as RpcReply<Result>;
    const entry = waiting.get(reply.id);
    if (entry === undefined) return;
    waiting.delete(reply.id);
    if ("error" in reply) entry.reject(rebuildError(reply.error, reply.code));
    else entry.resolve(reply.result);
  });
  port.onFailure((error) => {
    for (const entry of waiting.values()) entry.reject(error);
    waiting.clear();
  });
  return {
    call(payload, transfer) {
      const id = nextId++;
      return new Promise<Result>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        port.post({ id, payload } satisfies RpcRequest<Payload>, transfer);
      });
    },
    terminate: () => port.terminate(),
  };
}

/** The worker side: runs `handle` on each request and replies, errors included. */
export async function serveRequest<Payload, Result>(
  request: RpcRequest<Payload>,
  handle: (
    payload: Payload,
  ) => Promise<{ result: Result; transfer: ArrayBuffer[] }> | { result: Result; transfer: ArrayBuffer[] },
  reply: (message: RpcReply<Result>, transfer: ArrayBuffer[]) => void,
): Promise<void> {
  try {
    const { result, transfer } = await handle(request.payload);
    reply({ id: request.id, result }, transfer);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    reply(
      {
        id: request.id,
        error: error instanceof Error ? error.message : String(error),
        ...(typeof code === "string" ? { code } : {}),
      },
      [],
    );
  }
}

interface WebWorkerLike {
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  terminate(): void;
}

/** Whether this runtime has Web Workers (browsers, Deno, Bun; not Node 20-22). */
export function hasWebWorkers(): boolean {
  return typeof (globalThis as { Worker?: unknown }).Worker === "function";
}

/** Starts a module Web Worker from `url` and gives its port. */
export function webWorkerPort(url: URL): WorkerPort {
  const WorkerClass = (globalThis as unknown as { Worker: new (url: URL, options: object) => WebWorkerLike }).Worker;
  const worker = new WorkerClass(url, { type: "module" });
  return {
    post: (message, transfer) => worker.postMessage(message, transfer),
    onMessage: (handler) => {
      worker.onmessage = (event) => handler(event.data);
    },
    onFailure: (handler) => {
      worker.onerror = (event) => handler(event);
    },
    terminate: () => worker.terminate(),
  };
}

/** The scope a Web Worker script runs in, for `serveRequest` replies. */
export function webWorkerScope(): {
  onMessage(handler: (message: unknown) => void): void;
  post(message: unknown, transfer: ArrayBuffer[]): void;
} {
  const scope = globalThis as unknown as {
    onmessage: ((event: { data: unknown }) => void) | null;
    postMessage(message: unknown, transfer: ArrayBuffer[]): void;
  };
  return {
    onMessage: (handler) => {
      scope.onmessage = (event) => handler(event.data);
    },
    post: (message, transfer) => scope.postMessage(message, transfer),
  };
}
