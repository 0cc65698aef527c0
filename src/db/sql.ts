/**
 * A tiny tagged template that builds parameterised SQL: values become $n placeholders,
 * nested fragments are spliced in. User text never reaches the SQL text.
 */
export class Sql {
  constructor(
    readonly strings: readonly string[],
    readonly values: readonly unknown[],
  ) {}

  /** Renders to text with $1..$n placeholders, numbering from `offset + 1`. */
  toQuery(offset = 0): { text: string; values: unknown[] } {
    const values: unknown[] = [];
    const text = this.render(values, offset);
    return { text, values };
  }

  private render(out: unknown[], offset: number): string {
    let text = this.strings[0];
    for (let i = 0; i < this.values.length; i++) {
      const v = this.values[i];
      if (v instanceof Sql) text += v.render(out, offset);
      else {
        out.push(v);
        text += `$${out.length + offset}`;
      }
      text += this.strings[i + 1];
    }
    return text;
  }
}

export function sql(strings: TemplateStringsArray, ...values: unknown[]): Sql {
  return new Sql(strings, values);
}

/** Raw SQL text: only for identifiers and keywords chosen by our code, never user input. */
sql.raw = (text: string): Sql => new Sql([text], []);

sql.join = (parts: Sql[], separator = ', '): Sql => {
  if (parts.length === 0) return new Sql([''], []);
  const strings = [''];
  const values: unknown[] = [];
  parts.forEach((p, i) => {
    if (i > 0) strings[strings.length - 1] += separator;
    values.push(p);
    strings.push('');
  });
  return new Sql(strings, values);
};

sql.empty = new Sql([''], []);
