/**
 * Passwords that appear near the top of public breach corpora and are at least 12 characters long
 * (shorter ones are already refused by the length rule). Compared case-insensitively. The policy also
 * refuses passwords made of one repeated character or one keyboard/digit run, which catches the long
 * tail of "aaaaaaaaaaaa" and "123456789012" variants without a huge list.
 */
const commonPasswords: ReadonlySet<string> = new Set([
  'password1234',
  'password12345',
  'password123456',
  'password1234567',
  'password123!',
  'password2024',
  'password2025',
  'password2026',
  'passwordpassword',
  'p@ssw0rd1234',
  'p@ssword1234',
  'qwertyuiop12',
  'qwertyuiop123',
  'qwerty123456',
  'qwerty1234567',
  'qwertyqwerty',
  '1q2w3e4r5t6y',
  '1qaz2wsx3edc',
  '1qaz2wsx3edc4rfv',
  'zaq12wsxcde3',
  'asdfghjkl123',
  'iloveyou1234',
  'iloveyou12345',
  'welcome12345',
  'welcome123456',
  'welcometo123',
  'letmein12345',
  'changeme1234',
  'changeme12345',
  'administrator',
  'administrator1',
  'admin1234567',
  'adminadmin123',
  'football1234',
  'baseball1234',
  'superman1234',
  'princess1234',
  'sunshine1234',
  'monkey123456',
  'dragon123456',
  'trustno1trustno1',
  'abc123abc123',
  'abcd12345678',
  'abcdefghijkl',
  'abcdefgh1234',
  'pakistan1234',
  'pakistan12345',
  'pakistan123456',
  'pakistan@123',
  'pakistan@1234',
  'pakistanzindabad',
  'karachi12345',
  'lahore123456',
  'islamabad123',
  'bismillah123',
  'bismillah1234',
  'allahisgreat',
  'mashallah123',
  'darwaza12345',
  'darwaza123456',
  'onelink12345',
  '1link1234567',
  'myspace12345',
  'facebook1234',
  'google123456',
  'computer1234',
  'internet1234',
  'whatever1234',
  'starwars1234',
  'pokemon12345',
  'liverpool123',
  'chelsea12345',
  'arsenal12345',
  'manchesterunited',
  'michael12345',
  'jennifer1234',
  'loveyou12345',
  'ihateyou1234',
  'secret123456',
  'summer123456',
  'winter123456',
  'spring123456',
  'autumn123456',
  'correcthorsebatterystaple',
  'thequickbrownfox',
  'iloveyouforever',
  'letmeinletmein',
  'passw0rdpassw0rd',
  'qazwsxedcrfv',
  'qazwsxedc123',
  'asdfasdfasdf',
  'zxcvbnm12345',
  'zxcvbnmasdfg',
]);

const RUNS = ['0123456789012345678901234567890', 'qwertyuiopasdfghjklzxcvbnm', 'abcdefghijklmnopqrstuvwxyz'];

/** True when the password is on the list or is one repeated character / one straight run. */
export function isCommonPassword(password: string): boolean {
  const p = password.toLowerCase();
  if (commonPasswords.has(p)) return true;
  if (new Set(p).size <= 2) return true;
  for (const run of RUNS) {
    if (run.includes(p)) return true;
    const rev = [...run].reverse().join('');
    if (rev.includes(p)) return true;
  }
  return false;
}
