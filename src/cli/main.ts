console.log('rollback-lens');
