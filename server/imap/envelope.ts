/**
 * FETCH ENVELOPE (RFC 3501 §7.4.2, RFC 9051 §7.5.2) from a header block's fields:
 * (date subject from sender reply-to to cc bcc in-reply-to message-id).
 * Strings are the header text as written (not RFC 2047-decoded); sender and
 * reply-to default to from; groups appear as RFC 3501 encodes them.
 */
import { parseAddressEntries, type AddressEntry } from '../mime/address-list.js';
import { fieldText, findField, type MimeHeaderField } from '../mime/header-block.js';
import { joinOutput, list, nstring, type ImapOutput, type StringOptions } from './encode.js';

function textField(fields: readonly MimeHeaderField[], name: string, options: StringOptions): ImapOutput {
  const field = findField(fields, name);
  return field ? nstring(fieldText(field.value, field.latin1), options) : 'NIL';
}

function optional(value: string | undefined, latin1: boolean, options: StringOptions): ImapOutput {
  return value === undefined ? 'NIL' : nstring(fieldText(value, latin1), options);
}

/**
 * One address structure: (name adl mailbox host). A group starts with
 * (NIL NIL "name" NIL) and ends with (NIL NIL NIL NIL).
 */
function address(entry: AddressEntry, latin1: boolean, options: StringOptions): ImapOutput {
  switch (entry.kind) {
    case 'group-start':
      return list(['NIL', 'NIL', optional(entry.name, latin1, options), 'NIL']);
    case 'group-end':
      return '(NIL NIL NIL NIL)';
    case 'mailbox':
      return list([
        optional(entry.name, latin1, options),
        optional(entry.route, latin1, options),
        optional(entry.mailbox, latin1, options),
        optional(entry.host, latin1, options),
      ]);
  }
}

/** The address list of a field, or undefined when absent or holding no address. */
function addresses(fields: readonly MimeHeaderField[], name: string, options: StringOptions): ImapOutput | undefined {
  const field = findField(fields, name);
  if (!field) return undefined;
  const entries = parseAddressEntries(field.value);
  if (entries.length === 0) return undefined;
  // Addresses follow one another without a separator, as in RFC 3501's examples.
  return joinOutput(['(', ...entries.map((entry) => address(entry, field.latin1, options)), ')']);
}

/** The ENVELOPE structure for a message's (or an encapsulated message's) header fields. */
export function envelope(fields: readonly MimeHeaderField[], options: StringOptions = {}): ImapOutput {
  const from = addresses(fields, 'from', options);
  return list([
    textField(fields, 'date', options),
    textField(fields, 'subject', options),
    from ?? 'NIL',
    addresses(fields, 'sender', options) ?? from ?? 'NIL',
    addresses(fields, 'reply-to', options) ?? from ?? 'NIL',
    addresses(fields, 'to', options) ?? 'NIL',
    addresses(fields, 'cc', options) ?? 'NIL',
    addresses(fields, 'bcc', options) ?? 'NIL',
    textField(fields, 'in-reply-to', options),
    textField(fields, 'message-id', options),
  ]);
}
