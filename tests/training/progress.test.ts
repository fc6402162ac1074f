import test from 'ava';
import { formatNumber, Progress } from '../../src/training/progress.js';

test('progress numbers keep their integer digits and trim only decimals', (t) => {
  t.is(formatNumber(200), '200');
  t.is(formatNumber(90), '90');
  t.is(formatNumber(0.5), '0.5');
  t.is(formatNumber(2.25), '2.25');
  t.is(formatNumber(1234567), '1.23e+6');
});

test('progress renders done/total, rate and fields; quiet writes nothing', (t) => {
  let out = '';
  const stream = { write: (s: string) => { out += s; return true; }, isTTY: false };
  const p = new Progress({ label: 'epoch 1/2', total: 4, unit: 'batch', stream });
  p.update(4, { loss: 0.25 });
  t.regex(out, /^epoch 1\/2 \[#{24}\] 4\/4 .* batch\/s ETA 0s  loss 0\.25\n$/);
  out = '';
  const q = new Progress({ label: 'x', total: 2, stream, quiet: true });
  q.update(2); q.finish();
  t.is(out, '');
});

test('a field an epoch does not have is left out, not shown as undefined', (t) => {
  let out = '';
  const stream = { write: (s: string) => { out += s; return true; }, isTTY: false };
  const p = new Progress({ label: 'epoch 0 (initial weights)', total: 1, unit: 'pass', stream });
  p.update(1);
  out = '';
  p.finish({ loss: 3.5, val_loss: 2.5, 'samples/s': undefined });
  t.regex(out, /loss 3\.5 {2}val_loss 2\.5\n$/);
  t.notRegex(out, /undefined/);
});
