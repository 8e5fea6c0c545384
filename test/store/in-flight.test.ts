import { InFlight } from '../../server/src/store/in-flight';

describe('InFlight', () => {
  it('resolves drained only once every tracked operation has settled, including those started while draining', async () => {
    const inFlight = new InFlight();
    const order: string[] = [];
    let finishFirst!: (value: string) => void;
    let failSecond!: (error: Error) => void;
    const first = inFlight.track(new Promise<string>((resolve) => (finishFirst = resolve)));
    const second = inFlight.track(new Promise<string>((_resolve, reject) => (failSecond = reject)));
    second.catch(() => order.push('second failed'));

    const drained = inFlight.drained().then(() => order.push('drained'));
    let finishLate!: () => void;
    inFlight.track(new Promise<void>((resolve) => (finishLate = resolve))).then(() => order.push('late done'));
    finishFirst('one');
    expect(await first).toBe('one');
    failSecond(new Error('lost'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(order).toEqual(['second failed']);

    finishLate();
    await drained;
    expect(order).toEqual(['second failed', 'late done', 'drained']);
  });

  it('is drained at once when nothing is in flight', async () => {
    await expect(new InFlight().drained()).resolves.toBeUndefined();
  });
});
