// Focus an element as soon as it is on screen. Unlike the `autofocus` attribute (applied by the
// browser at a later rendering step), this runs before anyone can type, so no keystroke lands
// in the wrong field.
export function focusOnMount(element: HTMLElement, enabled = true) {
  if (enabled) element.focus();
}
