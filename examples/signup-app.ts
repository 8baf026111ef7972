/**
 * The "application under test" the recipes share: it sends a sign-up mail with a
 * one-time code and a confirmation link over SMTP, as a real app would.
 */
import nodemailer from 'nodemailer';

export async function sendSignupMail(smtp: { host: string; port: number }, to: string): Promise<string> {
  const code = String(100000 + Math.floor(Math.random() * 900000));
  const transport = nodemailer.createTransport({ host: smtp.host, port: smtp.port, secure: false, ignoreTLS: true });
  try {
    await transport.sendMail({
      from: 'Shop <no-reply@shop.test>',
      to,
      subject: 'Confirm your account',
      text: `Your code is ${code}.\nOr open https://shop.test/confirm?code=${code}\n`,
      html: `<p>Your code is <b>${code}</b>.</p><p><a href="https://shop.test/confirm?code=${code}">Confirm</a></p>`,
    });
  } finally {
    transport.close();
  }
  return code;
}
