// S3's bucket naming rules, apart from the client so the API can check a container without loading the SDK.

/** S3's bucket naming rules, checked before a request so a bad container gets a clear error. */
export function bucketNameProblem(name: string): string | null {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)) {
    return `'${name}' is not a valid bucket name (3 to 63 lowercase letters, digits, '.' or '-', starting and ending with a letter or digit)`;
  }
  if (name.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(name)) return `'${name}' is not a valid bucket name`;
  return null;
}
