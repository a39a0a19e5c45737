// Formatting and the few facts the console derives from what the API returns.
const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' });
const dtf = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function host(url) {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

export const absolute = (iso) => dtf.format(new Date(iso));

/** "in 4 sec." / "3 min. ago", from now. */
export function relative(iso, now = Date.now()) {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 60) return rtf.format(seconds, 'second');
  if (abs < 3600) return rtf.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return rtf.format(Math.round(seconds / 3600), 'hour');
  return rtf.format(Math.round(seconds / 86_400), 'day');
}

export function duration(ms) {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

export const isSuccess = (attempt) =>
  attempt.statusCode !== undefined && attempt.statusCode >= 200 && attempt.statusCode < 300 && !attempt.error;

/** What an attempt got: the status code, the error, or both. */
export function outcome(attempt) {
  const parts = [];
  if (attempt.statusCode !== undefined) parts.push(`HTTP ${attempt.statusCode}`);
  if (attempt.error) parts.push(attempt.error);
  return parts.join(' — ') || 'no answer';
}

/**
 * The API's state (active, paused, disabled, broken), and "retrying" for an active subscription whose
 * delivery in flight has failed and is being retried: what an operator looks for first.
 */
export function displayState(detail) {
  if (detail.state !== 'active') return detail.state;
  const last = detail.inFlight?.lastAttempt;
  return last && !isSuccess(last) ? 'retrying' : 'active';
}

export const STATE_HELP = {
  active: 'delivering normally',
  paused: 'changes keep merging; nothing is sent until resumed',
  disabled:
    'Herald stopped sending (the partner answered 410 Gone, or failed for too long); changes keep merging until resumed',
  retrying: 'the delivery in flight failed and is being retried on the schedule',
  broken:
    'its workflow was closed outside Herald; Herald restores it at the next change or look (503 only if it cannot)',
  deleted: 'deleted',
};

/** The Temporal UI's page of a subscription workflow (latest run), or null when not configured. */
export function workflowUrl(config, subscriptionId) {
  if (!config?.temporalUiUrl) return null;
  const ns = encodeURIComponent(config.namespace);
  return `${config.temporalUiUrl}/namespaces/${ns}/workflows/${encodeURIComponent(`subscription:${subscriptionId}`)}`;
}

export const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
