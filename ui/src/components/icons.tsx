/** A few inline icons (decorative: every control that uses one also has a text label). */
const paths = {
  search: 'M10.5 3a7.5 7.5 0 0 1 5.9 12.1l4.3 4.3-1.4 1.4-4.3-4.3A7.5 7.5 0 1 1 10.5 3zm0 2a5.5 5.5 0 1 0 0 11 5.5 5.5 0 0 0 0-11z',
  trash: 'M9 3h6l1 2h4v2H4V5h4l1-2zM6 9h12l-1 12H7L6 9z',
  read: 'M12 2 2 8.5V21h20V8.5L12 2zm0 2.4 7.6 4.9L12 14 4.4 9.3 12 4.4zM4 11.6l8 5 8-5V19H4v-7.4z',
  unread: 'M2 7h12v2H4v.3l8 5 4.4-2.8 1.1 1.7-5.5 3.4-8-5V19h16v-6h2v8H2V7zm17-5a3 3 0 1 1 0 6 3 3 0 0 1 0-6z',
  bell: 'M12 3a6 6 0 0 1 6 6v4l2 3H4l2-3V9a6 6 0 0 1 6-6zm-2 15h4a2 2 0 0 1-4 0z',
  prev: 'M15 5l-7 7 7 7-1.4 1.4L5.2 12l8.4-8.4z',
  next: 'M9 5l7 7-7 7 1.4 1.4 8.4-8.4-8.4-8.4z',
  close: 'M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6 10.6 12 5 6.4z',
  send: 'M3 20V4l18 8-18 8zm2-3 11.5-5L5 7v3.5l6 1.5-6 1.5V17z',
  clip: 'M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5H9v9a3 3 0 0 0 6 0V5a4.5 4.5 0 0 0-9 0v11.5a6 6 0 0 0 12 0v-10z',
};

export type IconName = keyof typeof paths;

export function Icon({ name }: { name: IconName }) {
  return (
    <svg class="icon" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false">
      <path d={paths[name]} fill="currentColor" />
    </svg>
  );
}
