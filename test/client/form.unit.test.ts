// @vitest-environment happy-dom
// Form serialisation as a browser submits a form: which fields count (checked boxes and radios,
// selected options, the submitter), which do not (disabled, files, buttons, fieldsets, outputs),
// repeated names in document order, extra values appended; and restoring recorded values.

import { beforeEach, describe, expect, test } from "vitest";
import { formPairs, restoreForm, serializeForm } from "../../client/form.ts";

function form(inner: string): HTMLFormElement {
  document.body.innerHTML = `<form id="f">${inner}</form>`;
  return document.getElementById("f") as HTMLFormElement;
}

const $ = <T extends HTMLElement = HTMLInputElement>(selector: string) => document.querySelector(selector) as unknown as T;

beforeEach(() => {
  document.body.innerHTML = "";
});

describe("formPairs", () => {
  test("text inputs, hidden inputs and textareas give their current value", () => {
    const f = form(`<input name="user[name]" value="Ada"><input type="hidden" name="id" value="7"><input type="email" name="email"><textarea name="bio">old</textarea>`);
    $("input[name=email]").value = "ada@example.com";
    $<HTMLTextAreaElement>("textarea").value = "line 1\nline 2";
    expect(formPairs(f)).toEqual([
      ["user[name]", "Ada"],
      ["id", "7"],
      ["email", "ada@example.com"],
      ["bio", "line 1\nline 2"],
    ]);
  });

  test("checkboxes count only when checked, with \"on\" when they have no value", () => {
    const f = form(`<input type="checkbox" name="a" checked><input type="checkbox" name="b"><input type="checkbox" name="c" value="yes" checked>`);
    expect(formPairs(f)).toEqual([["a", "on"], ["c", "yes"]]);
    $("input[name=b]").checked = true;
    $("input[name=a]").checked = false;
    expect(formPairs(f)).toEqual([["b", "on"], ["c", "yes"]]);
  });

  test("a radio group gives its checked radio, or nothing", () => {
    const f = form(`<input type="radio" name="size" value="s"><input type="radio" name="size" value="m"><input type="radio" name="size" value="l">`);
    expect(formPairs(f)).toEqual([]);
    $("input[value=m]").checked = true;
    expect(formPairs(f)).toEqual([["size", "m"]]);
  });

  test("a select gives its selected option's value, its text when it has no value, its first option by default", () => {
    const f = form(`<select name="a"><option>First</option><option value="2">Second</option></select><select name="b"><option value="x">X</option><option selected>Why</option></select>`);
    expect(formPairs(f)).toEqual([["a", "First"], ["b", "Why"]]);
    $<HTMLSelectElement>("select[name=a]").value = "2";
    expect(formPairs(f)).toEqual([["a", "2"], ["b", "Why"]]);
  });

  test("a multi-select gives each selected option in order, and nothing when none is", () => {
    const f = form(`<select name="tags" multiple><option value="a" selected>A</option><option value="b">B</option><option value="c" selected>C</option></select>`);
    expect(formPairs(f)).toEqual([["tags", "a"], ["tags", "c"]]);
    for (const option of Array.from($<HTMLSelectElement>("select").options)) option.selected = false;
    expect(formPairs(f)).toEqual([]);
  });

  test("a disabled option is not submitted even when selected", () => {
    const f = form(`<select name="tags" multiple><option value="a" selected disabled>A</option><option value="b" selected>B</option></select>`);
    expect(formPairs(f)).toEqual([["tags", "b"]]);
  });

  test("repeated names are repeated, in document order", () => {
    const f = form(`<input name="ids[]" value="1"><input type="checkbox" name="ids[]" value="2" checked><input name="other" value="x"><input name="ids[]" value="3">`);
    expect(formPairs(f)).toEqual([["ids[]", "1"], ["ids[]", "2"], ["other", "x"], ["ids[]", "3"]]);
  });

  test("disabled fields and every field of a disabled fieldset are left out", () => {
    const f = form(`<input name="a" value="1" disabled><select name="s" disabled><option>x</option></select>
      <fieldset disabled><input name="b" value="2"><fieldset><textarea name="c">3</textarea></fieldset></fieldset>
      <fieldset><input name="d" value="4"></fieldset>`);
    expect(formPairs(f)).toEqual([["d", "4"]]);
  });

  test("unnamed fields, file inputs, fieldsets and outputs are left out", () => {
    const f = form(`<input value="anonymous"><input type="file" name="upload"><fieldset name="group"><input name="a" value="1"></fieldset><output name="total">9</output>`);
    expect(formPairs(f)).toEqual([["a", "1"]]);
  });

  test("buttons are left out unless they are the submitter", () => {
    const f = form(`<input name="q" value="shoes"><button name="action" value="save">Save</button><button name="action" value="publish">Publish</button>
      <input type="submit" name="go" value="Go"><input type="button" name="b" value="B"><input type="reset" name="r" value="R">`);
    expect(formPairs(f)).toEqual([["q", "shoes"]]);
    expect(formPairs(f, $<HTMLButtonElement>("button[value=publish]"))).toEqual([["q", "shoes"], ["action", "publish"]]);
    expect(formPairs(f, $("input[type=submit]"))).toEqual([["q", "shoes"], ["go", "Go"]]);
    expect(formPairs(f, null)).toEqual([["q", "shoes"]]);
  });

  test("fields outside the form that name it with form= are included", () => {
    document.body.innerHTML = `<form id="f"><input name="a" value="1"></form><input name="b" value="2" form="f"><input name="c" value="3">`;
    expect(formPairs(document.getElementById("f") as HTMLFormElement)).toEqual([["a", "1"], ["b", "2"]]);
  });
});

describe("serializeForm", () => {
  test("encodes the pairs as application/x-www-form-urlencoded", () => {
    const f = form(`<input name="user[name]" value="Ada Lovelace"><input name="note" value="a&b=c é"><input type="checkbox" name="tos" checked>`);
    expect(serializeForm(f)).toBe("user%5Bname%5D=Ada+Lovelace&note=a%26b%3Dc+%C3%A9&tos=on");
    expect(new URLSearchParams(serializeForm(f)).get("note")).toBe("a&b=c é");
  });

  test("appends extra values (such as _target) after the form's own", () => {
    const f = form(`<input name="email" value="a@b.c"><input name="_target" value="from-form">`);
    expect(serializeForm(f, { _target: "email" })).toBe("email=a%40b.c&_target=from-form&_target=email");
  });

  test("includes the submitter where it stands in the form", () => {
    const f = form(`<input name="a" value="1"><button name="op" value="go">Go</button><input name="b" value="2">`);
    expect(serializeForm(f, {}, $<HTMLButtonElement>("button"))).toBe("a=1&op=go&b=2");
  });

  test("an empty form serialises to the empty string", () => {
    expect(serializeForm(form(""))).toBe("");
  });
});

describe("restoreForm", () => {
  const fields = `<input name="name"><textarea name="bio"></textarea><input type="checkbox" name="tos" value="yes">
    <input type="radio" name="size" value="s"><input type="radio" name="size" value="m">
    <select name="color"><option>red</option><option>blue</option></select>
    <select name="tags" multiple><option>a</option><option>b</option><option>c</option></select>`;

  test("puts text, textarea, checkbox, radio and select values back", () => {
    const f = form(fields);
    restoreForm(f, [["name", "Ada"], ["bio", "hi\nthere"], ["tos", "yes"], ["size", "m"], ["color", "blue"], ["tags", "a"], ["tags", "c"]]);
    expect($("input[name=name]").value).toBe("Ada");
    expect($<HTMLTextAreaElement>("textarea").value).toBe("hi\nthere");
    expect($("input[name=tos]").checked).toBe(true);
    expect($("input[value=m]").checked).toBe(true);
    expect($("input[value=s]").checked).toBe(false);
    expect($<HTMLSelectElement>("select[name=color]").value).toBe("blue");
    expect(Array.from($<HTMLSelectElement>("select[name=tags]").selectedOptions).map((o) => o.value)).toEqual(["a", "c"]);
  });

  test("round-trips what formPairs recorded from another copy of the form", () => {
    const before = form(fields);
    restoreForm(before, [["name", "Grace"], ["tos", "yes"], ["size", "s"], ["color", "blue"], ["tags", "b"]]);
    const recorded = formPairs(before);
    const after = form(fields);
    restoreForm(after, recorded);
    expect(formPairs(after)).toEqual(recorded);
  });

  test("unchecks boxes and deselects options that were not recorded (the user had cleared them)", () => {
    const f = form(`<input name="q"><input type="checkbox" name="tos" value="yes" checked><input type="radio" name="size" value="s" checked>
      <select name="tags" multiple><option selected>a</option></select>`);
    restoreForm(f, [["q", "x"]]);
    expect(formPairs(f)).toEqual([["q", "x"]]);
  });

  test("gives repeated text fields their values in order", () => {
    const f = form(`<input name="ids[]"><input name="ids[]"><input name="ids[]" value="keep">`);
    restoreForm(f, [["ids[]", "1"], ["ids[]", "2"]]);
    expect(Array.from(document.querySelectorAll<HTMLInputElement>("input")).map((i) => i.value)).toEqual(["1", "2", ""]);
  });

  test("leaves fields without recorded values, buttons, files and disabled fields alone", () => {
    const f = form(`<input name="other" value="server"><button name="op" value="go">Go</button><input type="submit" name="s" value="S">
      <input type="checkbox" name="locked" value="1" checked disabled><input type="file" name="upload">`);
    restoreForm(f, [["op", "changed"], ["s", "changed"], ["upload", "x"]]);
    expect($("input[name=other]").value).toBe("server");
    expect($<HTMLButtonElement>("button").value).toBe("go");
    expect($("input[name=s]").value).toBe("S");
    expect($("input[name=locked]").checked).toBe(true);
    expect($("input[name=upload]").value).toBe("");
  });
});
