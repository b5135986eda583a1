"""Web pages of the organizations app: public directory, register, organization console, pools."""
