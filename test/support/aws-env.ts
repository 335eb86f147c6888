/** The AWS environment a test sets for an emulator (s3rver, the Lambda server), and puts back after. */

const AWS_ENV_NAMES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_REGION',
  'AWS_PROFILE',
] as const;

/**
 * Puts these credentials and region us-east-1 in the environment, with no session token or
 * profile; returns a function that restores what was there.
 */
export function useAwsTestCredentials(accessKeyId: string, secretAccessKey: string): () => void {
  const saved = Object.fromEntries(AWS_ENV_NAMES.map((n) => [n, process.env[n]]));
  process.env.AWS_ACCESS_KEY_ID = accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = secretAccessKey;
  process.env.AWS_REGION = 'us-east-1';
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  return () => {
    for (const n of AWS_ENV_NAMES) {
      const value = saved[n];
      if (value === undefined) delete process.env[n];
      else process.env[n] = value;
    }
  };
}
