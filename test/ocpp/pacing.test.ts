import { describe, expect, it } from 'vitest';
import { StationPacing, type PacedSocket } from '../../src/ocpp/pacing.js';

class FakeSocket implements PacedSocket {
  bufferedAmount = 0;
  paused = false;
  pause() {
    this.paused = true;
  }
  resume() {
    this.paused = false;
  }
}

const limits = { maxCallsInProgress: 2, maxUnsentBytes: 1000 };

function listening() {
  const socket = new FakeSocket();
  const pacing = new StationPacing(socket, limits);
  pacing.listening();
  return { socket, pacing };
}

describe('a new connection is read only once its messages are listened to', () => {
  it('is paused from the start and read after listening()', () => {
    const socket = new FakeSocket();
    const pacing = new StationPacing(socket, limits);
    expect(socket.paused).toBe(true);
    pacing.listening();
    expect(socket.paused).toBe(false);
  });
});

describe('a station with too many calls unanswered is not read until one is answered', () => {
  it('reads while fewer than maxCallsInProgress are unanswered', () => {
    const { socket, pacing } = listening();
    pacing.callStarted();
    expect(socket.paused).toBe(false);
  });

  it('stops reading at maxCallsInProgress and reads again when one is answered', () => {
    const { socket, pacing } = listening();
    pacing.callStarted();
    pacing.callStarted();
    expect(socket.paused).toBe(true);
    pacing.callStarted();
    pacing.callEnded();
    expect(socket.paused).toBe(true);
    pacing.callEnded();
    expect(socket.paused).toBe(false);
  });

  it('counts each pause once', () => {
    const socket = new FakeSocket();
    let pauses = 0;
    const pacing = new StationPacing(socket, limits, () => (pauses += 1));
    pacing.listening();
    pacing.callStarted();
    pacing.callStarted();
    pacing.callStarted();
    expect(pauses).toBe(1);
  });
});

describe('a station that does not read its answers is not read either', () => {
  it('stops reading while more than maxUnsentBytes wait to be sent, and reads again once they drained', () => {
    const { socket, pacing } = listening();
    socket.bufferedAmount = 5000;
    pacing.callStarted();
    expect(socket.paused).toBe(true);
    pacing.callEnded();
    expect(socket.paused).toBe(true);
    socket.bufferedAmount = 0;
    pacing.drained();
    expect(socket.paused).toBe(false);
  });
});
