/**
 * How fast Anode reads a station. OCPP-J has a station wait for the answer to each call before it sends the next;
 * a station that does not is read only as fast as Anode answers it: while `maxCallsInProgress` of its calls are
 * unanswered, or while more than `maxUnsentBytes` of answers wait to be sent to it (it does not read them), its socket
 * is not read. What it sends meanwhile waits in the kernel's socket buffers, and what Anode holds for it stays bounded.
 */
export interface PacedSocket {
  /** bytes queued to be sent */
  readonly bufferedAmount: number;
  pause(): void;
  resume(): void;
}

export interface PacingLimits {
  maxCallsInProgress: number;
  maxUnsentBytes: number;
}

export class StationPacing {
  private callsInProgress = 0;
  private paused = false;
  /** not read until whoever reads its messages listens (`listening`) */
  private held = true;

  constructor(
    private readonly socket: PacedSocket,
    private readonly limits: PacingLimits,
    private readonly onPause: () => void = () => {},
  ) {
    this.paused = true;
    socket.pause();
  }

  /** Its messages are listened to from now on: what it sent before (with its upgrade request, say) is read now. */
  listening(): void {
    this.held = false;
    this.update();
  }

  callStarted(): void {
    this.callsInProgress += 1;
    this.update();
  }

  callEnded(): void {
    this.callsInProgress -= 1;
    this.update();
  }

  /** Call when the socket has sent what was queued ('drain'). */
  drained(): void {
    this.update();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  private update(): void {
    const hold =
      this.held || this.callsInProgress >= this.limits.maxCallsInProgress || this.socket.bufferedAmount > this.limits.maxUnsentBytes;
    if (hold === this.paused) return;
    this.paused = hold;
    if (hold) {
      this.onPause();
      this.socket.pause();
    } else {
      this.socket.resume();
    }
  }
}
