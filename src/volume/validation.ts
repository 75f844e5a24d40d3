// Checks shared by the volume and snapshot APIs; each error names the field.
import { InvalidInput } from '../errors/errors.js';

const MAX_NAME = 255;

export function checkName(field: string, v: string | null | undefined): void {
  if (v !== undefined && v !== null && v.length > MAX_NAME) throw new InvalidInput(`${field} must be at most ${MAX_NAME} characters.`);
}

export function checkMetadata(md: Record<string, string> | undefined): void {
  for (const [k, v] of Object.entries(md ?? {})) {
    if (k.length === 0 || k.length > 255) throw new InvalidInput(`Metadata key '${k.slice(0, 40)}' must be 1 to 255 characters.`);
    if (typeof v !== 'string' || v.length > 255) throw new InvalidInput(`Metadata value for key '${k}' must be a string of at most 255 characters.`);
  }
}
