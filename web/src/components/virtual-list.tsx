import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";

/**
 * Renders only the rows in view (plus a few either side), each at a fixed height, so 10,000 rows cost
 * what 30 do. The scroll container is focusable: keyboard users can scroll it too.
 */
export function VirtualList<T>(props: {
  items: readonly T[];
  rowHeight: number;
  label: string;
  row(item: T, index: number): ComponentChildren;
  keyOf(item: T): string;
}) {
  const box = useRef<HTMLElement>(null);
  // The first row in view, not the scroll offset: scrolling within a row renders nothing again.
  const [topRow, setTopRow] = useState(0);
  const [height, setHeight] = useState(600);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setHeight(element.clientHeight));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  const overscan = 8;
  const first = Math.max(0, topRow - overscan);
  const last = Math.min(props.items.length, topRow + Math.ceil(height / props.rowHeight) + 1 + overscan);
  const visible = props.items.slice(first, last);
  return (
    <section
      ref={box}
      class="vlist"
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
      tabIndex={0}
      aria-label={props.label}
      onScroll={(event) => setTopRow(Math.floor((event.target as HTMLElement).scrollTop / props.rowHeight))}
    >
      <ul class="vlist-items" style={{ height: `${props.items.length * props.rowHeight}px` }}>
        {visible.map((item, offset) => (
          <li
            key={props.keyOf(item)}
            class="vrow"
            style={{ transform: `translateY(${(first + offset) * props.rowHeight}px)`, height: `${props.rowHeight}px` }}
          >
            {props.row(item, first + offset)}
          </li>
        ))}
      </ul>
    </section>
  );
}
