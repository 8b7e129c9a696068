/**
 * The device `--device ID` names, or null for `--no-device` (commander gives false): the
 * recordings imported without a device id, which are one unknown device on the timeline and
 * could not be chosen otherwise.
 */
export function deviceOf(device: string | false): string | null {
  return device === false ? null : device;
}

/** The option as it was given, for messages. */
export function deviceOptionText(device: string | false): string {
  return device === false ? "--no-device" : `--device ${device}`;
}
