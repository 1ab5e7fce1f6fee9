// @peculiar/x509 needs reflect-metadata loaded before it (tsyringe).
import "reflect-metadata";
