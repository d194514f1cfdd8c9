"""The app's pages, one module per area: account (sign in and out), public, api, work."""
