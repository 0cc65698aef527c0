/**
 * The API's validation details in words (issue 19). The server reports zod's own text
 * ("Too small: expected string to have >=10 characters") with the field's path; the UI says
 * what is wrong and what to do instead ("Use at least 10 characters."). Messages the server
 * already wrote for people pass through unchanged.
 */

/** Field names a marketer knows by another name; other names are read from the key. */
const FIELD_NAMES: Record<string, string> = {
  list_ids: 'lists', segment_ids: 'segments', message_id: 'message', sender_id: 'sender', email: 'email address',
  from_email: 'sender address', reply_to: 'reply-to address', url: 'URL', timezone: 'time zone', phone: 'phone number',
};

/** The last meaningful key of a path, in words: `definition.trigger.list_ids` → "lists". */
export function fieldName(path: string): string {
  const keys = path.replace(/\[(\d+)\]/g, '.$1').split('.').filter((k) => k && !/^\d+$/.test(k));
  const last = keys[keys.length - 1] ?? '';
  return FIELD_NAMES[last] ?? last.replace(/_/g, ' ');
}

type Rule = [RegExp, (m: RegExpMatchArray, path: string) => string];

const plural = (n: string, one: string, many: string) => `${n} ${n === '1' ? one : many}`;

const RULES: Rule[] = [
  [/^Too small: expected string to have >=(\d+) characters?$/, (m) => (m[1] === '1' ? 'Required: fill this in.' : `Too short: use at least ${plural(m[1], 'character', 'characters')}.`)],
  [/^Too big: expected string to have <=(\d+) characters?$/, (m) => `Too long: use at most ${plural(m[1], 'character', 'characters')}.`],
  [/^Too small: expected array to have >=(\d+) items?$/, (m, p) => (m[1] === '1' ? `Choose at least one ${singular(fieldName(p))}.` : `Choose at least ${m[1]} ${fieldName(p)}.`)],
  [/^Too big: expected array to have <=(\d+) items?$/, (m, p) => `Choose at most ${m[1]} ${fieldName(p)}.`],
  [/^Too small: expected (?:number|int|bigint) to be >(=?)(-?[\d.]+)$/, (m) => (m[1] ? `Use ${m[2]} or more.` : `Use a number above ${m[2]}.`)],
  [/^Too big: expected (?:number|int|bigint) to be <(=?)(-?[\d.]+)$/, (m) => (m[1] ? `Use ${m[2]} or less.` : `Use a number below ${m[2]}.`)],
  [/^Invalid input: expected (\w+), received (?:undefined|null)$/, () => 'Required: fill this in.'],
  [/^Invalid input: expected (?:number|int), received NaN$/, () => 'Enter a number.'],
  [/^Invalid input: expected int, received number$/, () => 'Use a whole number.'],
  [/^Invalid input: expected (number|int), received \w+$/, () => 'Enter a number.'],
  [/^Invalid input: expected boolean, received \w+$/, () => 'Choose yes or no.'],
  [/^Invalid input: expected (string|array|object), received \w+$/, () => 'This value has the wrong form.'],
  [/^Invalid option: expected one of (.+)$/, (m) => `Choose one of: ${m[1].split('|').map((x) => x.replace(/^"|"$/g, '')).join(', ')}.`],
  [/^Invalid input: expected "(.+)"$/, (m) => `Must be "${m[1]}".`],
  [/^Invalid email address$/i, () => 'Enter a valid email address, like name@example.com.'],
  [/^Invalid URL$/i, () => 'Enter a full URL, like https://example.com/page.'],
  [/^Invalid (?:ISO )?datetime$/i, () => 'Enter a date and time.'],
  [/^Invalid (?:ISO )?date$/i, () => 'Enter a date.'],
  [/^Invalid UUID$/i, () => 'This identifier is not valid.'],
  [/^Invalid string: must match pattern .+$/, (_m, p) => `The ${fieldName(p) || 'value'} has characters or a form that is not allowed.`],
  [/^Invalid string: must start with "(.+)"$/, (m) => `Start with "${m[1]}".`],
  [/^Invalid input$/, () => 'This value is not valid.'],
  [/^unknown field$/, (_m, p) => `"${fieldName(p)}" is not a setting here.`],
  [/^Unrecognized keys?: (.+)$/, (m) => `Not settings here: ${m[1]}.`],
];

function singular(words: string): string {
  return words.endsWith('ies') ? `${words.slice(0, -3)}y` : words.endsWith('s') ? words.slice(0, -1) : words;
}

/** One detail's message in words; a message already written for people is kept. */
export function errorText(message: string, path = ''): string {
  const m = message.trim();
  for (const [re, say] of RULES) {
    const x = m.match(re);
    if (x) return say(x, path);
  }
  return m;
}

/** Whether a message is zod's raw text (a test and a guard for new messages). */
export function isRawZod(message: string): boolean {
  return /^(Too small|Too big): expected |^Invalid (input|option|string): /.test(message);
}
