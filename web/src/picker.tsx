// The category picker: type-ahead over the whole taxonomy (GET /v1/taxonomy per keystroke, the previous
// request cancelled), ↑/↓ to move, Enter to pick, Escape to close.
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { taxonomy } from "./api";

export function Picker({ title, onPick, onClose }: { title: string; onPick: (path: string) => void; onClose: () => void }) {
  const [q, setQ] = useState("");
  const [paths, setPaths] = useState<string[]>([]);
  const [total, setTotal] = useState(0);
  const [at, setAt] = useState(0);
  const input = useRef<HTMLInputElement>(null);

  // Focused as soon as it is in the DOM (before paint), so the first keys typed land in it.
  useLayoutEffect(() => input.current?.focus(), []);
  useEffect(() => {
    const ctl = new AbortController();
    taxonomy(q, ctl.signal)
      .then((r) => {
        setPaths(r.paths);
        setTotal(r.total);
        setAt(0);
      })
      .catch(() => undefined);
    return () => ctl.abort();
  }, [q]);

  const onKey = (e: KeyboardEvent): void => {
    if (e.key === "Escape") {
      e.preventDefault();
      onClose();
    } else if (e.key === "ArrowDown") {
      e.preventDefault();
      setAt((i) => Math.min(i + 1, paths.length - 1));
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      setAt((i) => Math.max(i - 1, 0));
    } else if (e.key === "Enter") {
      e.preventDefault();
      const p = paths[at];
      if (p) onPick(p);
    }
  };

  return (
    <div class="modal" role="dialog" aria-modal="true" aria-label="Pick a category">
      <div class="modal-box picker">
        <p class="picker-for">
          Category for <em>{title}</em>
        </p>
        <input ref={input} class="picker-input" placeholder="Type words of the category…" value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} onKeyDown={onKey} aria-label="Category search" />
        <ul class="picker-list" role="listbox">
          {paths.map((p, i) => (
            <li key={p} role="option" aria-selected={i === at} class={i === at ? "active" : ""} onMouseDown={(e) => (e.preventDefault(), onPick(p))}>
              {p}
            </li>
          ))}
        </ul>
        <p class="hint">
          {total} matching · ↑↓ move · Enter pick · Esc close
        </p>
      </div>
    </div>
  );
}
