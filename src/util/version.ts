/** This program's version, as package.json has it (`obifaas --version`, provenance in files it writes). */
export const OBIFAAS_VERSION = '0.1.0';
