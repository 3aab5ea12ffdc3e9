/**
 * One line of progress on stderr for long commands (`tvix store import`, `tvix store copy`),
 * rewritten in place: only when stderr is a terminal and the user did not turn it off (so
 * pipes and logs never see it), at most ten times a second, and cleared when the work ends.
 */
import type { CommandIO } from "./command.ts";

/** Shortest time between two redraws. */
const REDRAW_MS = 100;

export interface ProgressLine {
  /** Shows `text` (unless the last redraw was under 100 ms ago; `now` redraws anyway). */
  show(text: string, now?: boolean): void;
  /** Clears the line (if anything was shown). */
  end(): void;
}

export function progressLine(io: CommandIO, enabled: boolean): ProgressLine {
  const tty = enabled && (io.stderr as { isTTY?: boolean }).isTTY === true;
  let last = 0;
  let shown = false;
  return {
    show(text, now = false) {
      if (!tty) return;
      const t = Date.now();
      if (shown && !now && t - last < REDRAW_MS) return;
      last = t;
      shown = true;
      io.stderr.write(`\r\x1b[K${text}`);
    },
    end() {
      if (shown) io.stderr.write("\r\x1b[K");
      shown = false;
    },
  };
}

/** Bytes as MiB with one decimal, the unit progress lines use. */
export const mib = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
