CREATE DATABASE prefect OWNER intake;
