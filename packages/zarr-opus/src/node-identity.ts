import { hostname } from "node:os";
import type { ProcessIdentity } from "./leases.ts";

/** This process as other processes of this host can ask about it (see leases.ts). */
export const nodeIdentity: ProcessIdentity = {
  host: hostname().replace(/[^A-Za-z0-9]/g, "") || "host",
  pid: process.pid,
  runs(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      // EPERM: it runs, as another user.
      return (error as NodeJS.ErrnoException).code === "EPERM";
    }
  },
};
