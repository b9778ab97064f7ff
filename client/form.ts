// Form values as a browser would submit them (application/x-www-form-urlencoded): checked boxes and
// radios only, every selected option of a multi-select, repeated names repeated, the submitter's
// name and value on submit. Disabled fields and options, files, unnamed fields and elements that
// are never submitted (fieldset, output, object) are left out.

export type Field = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement | HTMLButtonElement;

const SUBMITTABLE = /^(INPUT|SELECT|TEXTAREA|BUTTON)$/;
const skipped = (el: Field) => !el.name || !SUBMITTABLE.test(el.tagName) || el.disabled || !!el.closest("fieldset:disabled");

export function formPairs(form: HTMLFormElement, submitter?: HTMLElement | null): [string, string][] {
  const pairs: [string, string][] = [];
  for (const el of Array.from(form.elements) as Field[]) {
    const { name, type } = el;
    if (skipped(el)) continue;
    if (type === "submit" || type === "button" || type === "reset" || type === "image" || el.tagName === "BUTTON") {
      if (el === submitter) pairs.push([name, el.value]);
      continue;
    }
    if (type === "file") continue;
    if ((type === "checkbox" || type === "radio") && !(el as HTMLInputElement).checked) continue;
    if (el instanceof HTMLSelectElement) {
      for (const option of Array.from(el.options)) if (option.selected && !option.matches(":disabled")) pairs.push([name, option.value]);
      continue;
    }
    pairs.push([name, el.value]);
  }
  return pairs;
}

export function serializeForm(form: HTMLFormElement, extra: Record<string, string> = {}, submitter?: HTMLElement | null): string {
  const params = new URLSearchParams(formPairs(form, submitter));
  for (const [name, value] of Object.entries(extra)) params.append(name, value);
  return params.toString();
}

/** Puts recorded values back into a form's fields (after a reconnect re-rendered it). */
export function restoreForm(form: HTMLFormElement, pairs: [string, string][]): void {
  const byName = new Map<string, string[]>();
  for (const [name, value] of pairs) byName.set(name, [...(byName.get(name) ?? []), value]);
  for (const el of Array.from(form.elements) as Field[]) {
    if (skipped(el) || el.tagName === "BUTTON" || el.type === "file" || el.type === "submit") continue;
    const values = byName.get(el.name);
    // A box or option missing from the recorded values had been unchecked or unselected.
    if (el.type === "checkbox" || el.type === "radio") (el as HTMLInputElement).checked = !!values?.includes(el.value);
    else if (el instanceof HTMLSelectElement) for (const option of Array.from(el.options)) option.selected = !!values?.includes(option.value);
    else if (values) el.value = values.shift() ?? "";
  }
}
