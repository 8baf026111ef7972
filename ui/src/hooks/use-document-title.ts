import { useEffect } from 'preact/hooks';

/** The tab's title: the instance's label, with the unread count in front while there is unread mail. */
export function useDocumentTitle(label: string, unread: number): void {
  const title = label ? `${label} · Letterbox` : 'Letterbox';
  useEffect(() => {
    document.title = unread > 0 ? `(${unread}) ${title}` : title;
  }, [title, unread]);
}
