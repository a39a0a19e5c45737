// Data hooks: a GET that loads, refreshes by itself and says when it failed; a button action.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

/**
 * Runs `load` now, again on `reload()`, and every `refreshMs` when given. A refresh that fails
 * keeps the last data and reports the error beside it; requests never overlap.
 */
export function useLoad(load, deps, refreshMs) {
  const [state, setState] = useState({ data: undefined, error: null, loading: true });
  const running = useRef(false);
  const alive = useRef(true);
  const run = useCallback(async () => {
    if (running.current) return;
    running.current = true;
    try {
      const data = await load();
      if (alive.current) setState({ data, error: null, loading: false, at: Date.now() });
    } catch (error) {
      if (alive.current) setState((s) => ({ ...s, error, loading: false }));
    } finally {
      running.current = false;
    }
  }, deps);
  useEffect(() => {
    alive.current = true;
    setState({ data: undefined, error: null, loading: true });
    void run();
    // A tab in the background does not poll; it catches up when it is shown again.
    const tick = () => void (document.hidden || run());
    const timer = refreshMs ? setInterval(tick, refreshMs) : undefined;
    return () => {
      alive.current = false;
      clearInterval(timer);
    };
  }, [run, refreshMs]);
  return { ...state, reload: run };
}

/** A button's action: busy while it runs, its error kept to show beside it. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const run = useCallback(async (fn) => {
    setBusy(true);
    setError(null);
    try {
      return await fn();
    } catch (err) {
      setError(err);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, clear: () => setError(null) };
}

/** Sets the document title (never anything secret: names and page names only). */
export function useTitle(title) {
  useEffect(() => {
    document.title = title ? `${title} · Herald console` : 'Herald console';
  }, [title]);
}

/** Re-renders every `ms`, for relative times ("in 4 s") that must keep counting. */
export function useTick(ms = 1000) {
  const [, setNow] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
}
