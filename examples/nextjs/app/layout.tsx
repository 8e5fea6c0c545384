import type { ReactNode } from 'react';

export const metadata = { title: 'Brand' };

// Step 1: the pixel on every page. NEXT_PUBLIC_ values are built into the pages by `next build`.
export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <head>
        <script
          src={`${process.env.NEXT_PUBLIC_SHOUTOUT_URL}/api/script.js`}
          data-org={process.env.NEXT_PUBLIC_SHOUTOUT_ORG_ID}
          data-stripe="auto"
          defer
        />
      </head>
      <body>
        <nav>
          <a href="/">Shop</a> · <a href="/signup">Sign up</a> · <a href="/account">Account</a>
        </nav>
        {children}
      </body>
    </html>
  );
}
